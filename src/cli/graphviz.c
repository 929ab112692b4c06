#include "compat.h"
#include "cli/cli.h"
#include "base/spawn.h"
#include "profile/profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int cprof__cli_graphviz(const char *format, const char *dot, size_t n, int out_fd, bool quiet,
			char *err, size_t errlen)
{
	/* dot reads a file rather than a pipe: no writer thread, and a dot
	 * that fails early cannot leave us blocked on a full pipe. */
	char tmpl[] = "/tmp/cprof-dot.XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0) {
		snprintf(err, errlen, "temporary file: %s", strerror(errno));
		return -1;
	}
	int rc = cprof__write_all(fd, dot, n);
	close(fd);
	if (rc < 0) {
		unlink(tmpl);
		snprintf(err, errlen, "temporary file: %s", strerror(-rc));
		return -1;
	}
	char tflag[32];
	snprintf(tflag, sizeof(tflag), "-T%s", format);
	char *args[] = {"dot", tflag, tmpl, NULL};
	int status;
	rc = cprof__spawn_wait(args, out_fd, quiet, &status);
	unlink(tmpl);
	if (rc != 0) {
		snprintf(
			err, errlen,
			"failed to execute dot: %s. Is Graphviz installed? (Debian: apt-get install "
			"graphviz)",
			strerror(rc));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "dot -T%s failed (exit status %d)", format,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}
