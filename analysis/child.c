/* The analysis side of init's protocol: see child.h. */
#include "child.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

int child_map_input(int fd, const uint8_t **p, size_t *len, struct c2d_err *err)
{
	struct stat st;
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return c2d_fail_errno(err, C2D_E_INPUT, "fd %d: F_GET_SEALS", fd);
	if ((seals & SEALS) != SEALS)
		return c2d_fail(err, C2D_E_INPUT, "fd %d: seals 0x%x, need 0x%x", fd, seals, SEALS);
	if (fstat(fd, &st) < 0)
		return c2d_fail_errno(err, C2D_E_IO, "fd %d: fstat", fd);
	if (st.st_size <= 0)
		return c2d_fail(err, C2D_E_INPUT, "fd %d: empty", fd);
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return c2d_fail_errno(err, C2D_E_IO, "fd %d: mmap", fd);
	*p = m;
	*len = (size_t)st.st_size;
	return C2D_OK;
}

void child_exit(int status, const struct c2d_err *err)
{
	if (status == C2D_OK)
		_exit(0);
	if (fcntl(2, F_GETFD) >= 0) {
		char line[C2D_ERR_MSG_MAX + 1];
		size_t n = strlen(err->msg);
		memcpy(line, err->msg, n);
		line[n] = '\n';
		/* Best effort: nobody may be listening. */
		ssize_t w = write(2, line, n + 1);
		(void)w;
	}
	_exit(status == C2D_E_INPUT || status == C2D_E_REFUSED ? CHILD_EXIT_INPUT : CHILD_EXIT_IO);
}
