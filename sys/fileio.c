/* sys/fileio.c - see fileio.h */
#include "sys/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"

bool fileio_read(const char *path, char **buf, size_t *len, struct vax_error *err)
{
	*buf = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, "FILE-OPEN", "cannot read %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, "FILE-TYPE", "cannot read %s: not a regular file", path);
	}
	if ((unsigned long long)st.st_size > FILEIO_MAX) {
		close(fd);
		return error_set(err, "FILE-SIZE", "cannot read %s: the file is too large (%lld bytes)", path,
		                 (long long)st.st_size);
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *b = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap)
			b = xrealloc(b, cap *= 2);
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(b);
			close(fd);
			return error_set(err, "FILE-READ", "cannot read %s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > FILEIO_MAX) {
			free(b);
			close(fd);
			return error_set(err, "FILE-SIZE", "cannot read %s: the file is too large", path);
		}
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return true;
}

bool fileio_write_atomic(const char *path, const char *data, size_t len, int mode, struct vax_error *err)
{
	char *tmp;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return error_set(err, "FILE-WRITE", "cannot write %s: out of memory", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		error_set(err, "FILE-WRITE", "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return false;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	free(tmp);
	return true;
fail:
	error_set(err, "FILE-WRITE", "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return false;
}

const char *fileio_datadir(void)
{
	const char *d = getenv("VAXDESK_DATADIR");
	return d && *d ? d : VAX_DATADIR;
}

char *fileio_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = xmalloc(a + b + 2);
	memcpy(p, dir, a);
	size_t o = a;
	if (a && dir[a - 1] != '/')
		p[o++] = '/';
	memcpy(p + o, name, b + 1);
	return p;
}

bool fileio_read_data(const char *name, char **buf, size_t *len, struct vax_error *err)
{
	char *path = fileio_join(fileio_datadir(), name);
	bool ok = fileio_read(path, buf, len, err);
	free(path);
	return ok;
}
