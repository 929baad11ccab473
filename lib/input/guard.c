/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A mapped file that shrinks while it is parsed (a dump being rewritten,
 * copytruncate log rotation): reading its pages past the new end raises
 * SIGBUS, which would kill the process. While a mapping is parsed, a
 * SIGBUS handler of ours is installed; a fault inside a registered mapping
 * replaces the mapping from the faulting page to its end with zero pages
 * (one mmap(MAP_FIXED) call, async-signal-safe on Linux) and records the
 * offset, and the faulting instruction runs again on the zeros.
 *
 * Nothing jumps: the parse goes on, reads zeros, and stops at its next
 * slice boundary (parse_slices() asks map_guard_changed() through the
 * hook source.c lends it); its table is then discarded with PGS_E_CHANGED.
 * So no lock, allocation or allocator hook is ever left half-done,
 * whatever code was running when the fault came, on any thread.
 *
 * Politeness: the handler is installed when the first guarded parse of the
 * process starts and the previous one is restored when the last ends (a
 * count under a mutex). A SIGBUS that is not a fault in a registered
 * mapping (another mapping of the program, a kill -BUS) goes to the handler
 * that was there before, or to the default action. If the program replaced
 * our handler meanwhile, its own is left in place. PGS_PARSE_NO_MMAP reads
 * files with read() instead, for programs that own SIGBUS.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>	/* mmap */
#include <sys/stat.h>	/* fstat */
#include <unistd.h>	/* sysconf */

#include "input.h"

/* Concurrent guarded parses in one process (more go unguarded). */
#define GUARD_SLOTS 64

static struct map_guard *slots[GUARD_SLOTS];
static pthread_mutex_t guard_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned guard_users;
static struct sigaction guard_prev;
static uintptr_t guard_page;

static void atomic_min(uint64_t *p, uint64_t v)
{
	uint64_t cur = __atomic_load_n(p, __ATOMIC_RELAXED);

	while (v < cur && !__atomic_compare_exchange_n(p, &cur, v, true, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	int saved = errno;
	size_t i;

	for (i = 0; si->si_code == BUS_ADRERR && i < GUARD_SLOTS; i++) {
		struct map_guard *g = __atomic_load_n(&slots[i], __ATOMIC_ACQUIRE);
		uintptr_t base, page, end;

		if (!g)
			continue;
		base = (uintptr_t)g->base;
		end = (base + g->len + guard_page - 1) & ~(guard_page - 1);
		if (a < base || a >= end)
			continue;
		page = a & ~(guard_page - 1);
		if (mmap((void *)page, end - page, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			break;	/* cannot mend it: the default action below */
		atomic_min(&g->fault, (uint64_t)(page - base));
		errno = saved;
		return;
	}
	/* Not ours: whoever handled SIGBUS before us. */
	if (guard_prev.sa_flags & SA_SIGINFO) {
		guard_prev.sa_sigaction(sig, si, uc);
	} else if (guard_prev.sa_handler != SIG_DFL && guard_prev.sa_handler != SIG_IGN) {
		guard_prev.sa_handler(sig);
	} else {
		/* The default action: at once for a fault (it faults again). */
		signal(sig, SIG_DFL);
		if (si->si_code <= 0)
			raise(sig);
	}
	errno = saved;
}

void map_guard_add(struct map_guard *g, const void *base, size_t len, int fd)
{
	size_t i;

	g->base = base;
	g->len = len;
	g->fd = fd;
	g->fault = UINT64_MAX;
	g->slot = -1;
	pthread_mutex_lock(&guard_mu);
	for (i = 0; i < GUARD_SLOTS; i++)
		if (!slots[i])
			break;
	if (i < GUARD_SLOTS) {
		if (guard_users++ == 0) {
			struct sigaction sa;

			memset(&sa, 0, sizeof(sa));
			guard_page = (uintptr_t)sysconf(_SC_PAGESIZE);
			sa.sa_sigaction = on_sigbus;
			sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
			sigemptyset(&sa.sa_mask);
			sigaction(SIGBUS, &sa, &guard_prev);
		}
		g->slot = (int)i;
		__atomic_store_n(&slots[i], g, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&guard_mu);
}

void map_guard_remove(struct map_guard *g)
{
	if (g->slot < 0)
		return;
	pthread_mutex_lock(&guard_mu);
	__atomic_store_n(&slots[g->slot], NULL, __ATOMIC_RELEASE);
	g->slot = -1;
	if (--guard_users == 0) {
		struct sigaction cur;

		/* Put back what was there, unless the program replaced us. */
		if (sigaction(SIGBUS, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
		    cur.sa_sigaction == on_sigbus)
			sigaction(SIGBUS, &guard_prev, NULL);
	}
	pthread_mutex_unlock(&guard_mu);
}

bool map_guard_changed(struct map_guard *g)
{
	struct stat st;

	if (!g)
		return false;
	/* Shrunk: a fault past the new end, or a new end seen by fstat. */
	if (fstat(g->fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size < g->len)
		atomic_min(&g->fault, (uint64_t)st.st_size);
	return __atomic_load_n(&g->fault, __ATOMIC_RELAXED) != UINT64_MAX;
}
