# fish completion for pgsort(1)
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The options, keys, formats, weights and colours come from the pgsort being
# completed (pgsort [diff|series|record|top] --list WHAT), so they are always
# that pgsort's.

# pgsort [diff|series|record|top] --list WHAT, for the pgsort on the command line.
function __pgsort_list
    set -l cmd (commandline -opc)
    if test (count $cmd) -gt 1; and contains -- "$cmd[2]" diff series record top
        $cmd[1] $cmd[2] --list $argv 2>/dev/null
    else
        $cmd[1] --list $argv 2>/dev/null
    end
end

# The values of option $argv[1] for the text $argv[2] typed so far.
function __pgsort_values
    set -l opt $argv[1]
    set -l cur $argv[2]
    switch $opt
        case --format --weight --color --mode --source
            __pgsort_list (string sub -s 3 -- $opt)
        case --cull --sort
            # A comma-separated list: complete the key after the last comma,
            # sort keys with their + or -.
            set -l head (string match -r -- '^.*,' $cur)
            set -l tail (string replace -r -- '^.*,' '' $cur)
            set -l sign (string match -r -- '^[-+]' $tail)
            test $opt = --cull; and set sign
            # top --sort: one word, pages, start or last.
            set -l cmd (commandline -opc)
            if test $opt = --sort; and test (count $cmd) -gt 1; and test "$cmd[2]" = top
                set head
                set sign
            end
            for k in (__pgsort_list (string sub -s 3 -- $opt))
                echo "$head$sign$k"
            end
        case --filter
            __pgsort_list filter
        case --debugfs
            __fish_complete_directories $cur | string replace -r -- '\t.*' ''
    end
end

# The option whose value the cursor is in, or nothing: --opt=value in one
# word, or the word after an option that takes a value.
function __pgsort_value_of
    set -l tok (commandline -ct)
    if string match -qr -- '^--[a-z-]+=' $tok
        string replace -r -- '=.*' '' $tok
        return 0
    end
    set -l prev (commandline -opc)[-1]
    if contains -- "$prev=" (__pgsort_list options); or contains -- "$prev" -j -o -l
        echo $prev
        return 0
    end
    return 1
end

# Candidates for the word under the cursor.
function __pgsort_complete
    set -l tok (commandline -ct)
    set -l opt (__pgsort_value_of)
    if test -n "$opt"
        if string match -q -- '--*=*' $tok
            for v in (__pgsort_values $opt (string replace -r -- '^[^=]*=' '' $tok))
                echo "$opt=$v"
            end
        else
            __pgsort_values $opt $tok
        end
    else if string match -q -- '-*' $tok
        __pgsort_list options
    else if test (count (commandline -opc)) -eq 1
        printf '%s\t%s\n' diff 'compare two snapshots'
        printf '%s\t%s\n' series 'leak suspects over many snapshots'
        printf '%s\t%s\n' record 'snapshot the live kernel'
        printf '%s\t%s\n' top 'the top stacks, live'
    end
end

# Files only where a file goes: operands (but record's and top's, which
# take none), --stacks, --times and -o/--output FILE (--debugfs DIR:
# directories, from __pgsort_values).
function __pgsort_no_files
    set -l opt (__pgsort_value_of)
    if test -n "$opt"
        not contains -- "$opt" --stacks --times --output -o
        return
    end
    set -l cmd (commandline -opc)
    test (count $cmd) -gt 1; and contains -- "$cmd[2]" record top; and return 0
    string match -q -- '-*' (commandline -ct)
end

complete -c pgsort -n __pgsort_no_files -f -a '(__pgsort_complete)'
complete -c pgsort -n 'not __pgsort_no_files' -a '(__pgsort_complete)'
