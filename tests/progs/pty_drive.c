/*
 * pty_drive — type lines into an interactive program through a
 * pseudo-terminal, as a user would: `pty_drive PROMPT CMD [ARGS...] <script`.
 * Each line of the script is sent (its '\n' as a carriage return, Enter)
 * once the output shows one more PROMPT than lines sent so far; after the
 * last line and the next prompt, ^D.  Everything the program writes on the
 * terminal is copied to stdout.  Exits with the program's status; 124 if it
 * does not finish within 20 s (then it is killed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: pty_drive PROMPT CMD [ARGS...] <script\n");
		return 2;
	}
	const char *prompt = argv[1];
	size_t plen = strlen(prompt);
	/* The script, whole. */
	char *script = NULL;
	size_t slen = 0;
	FILE *ms = open_memstream(&script, &slen);
	int ch;
	while ((ch = getchar()) != EOF)
		fputc(ch, ms);
	fclose(ms);

	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
		perror("pty_drive: posix_openpt");
		return 2;
	}
	struct winsize ws = {.ws_row = 50, .ws_col = 250};
	ioctl(m, TIOCSWINSZ, &ws);
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		int s = open(ptsname(m), O_RDWR);
		if (s < 0)
			_exit(127);
		ioctl(s, TIOCSCTTY, 0);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		if (s > 2)
			close(s);
		close(m);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	/* The output so far, to count prompts in (bounded: only the count and
	 * the last plen-1 bytes matter). */
	size_t prompts = 0, sent = 0;
	char tail[256] = "";
	size_t tl = 0;
	const char *next = script;
	bool eof_sent = false, quiet = false;
	double deadline = now() + 20;
	for (;;) {
		if (now() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fprintf(stderr, "pty_drive: timed out\n");
			return 124;
		}
		/* A line editor may still be setting up the terminal when its
		 * prompt shows (and discard what came before): wait until the
		 * output has been quiet for 100 ms. */
		if (prompts > sent && quiet) {
			if (next < script + slen) {
				const char *nl = memchr(next, '\n', (size_t)(script + slen - next));
				size_t n =
					nl ? (size_t)(nl - next) : (size_t)(script + slen - next);
				if (write(m, next, n) < 0 || write(m, "\r", 1) < 0)
					break;
				next += n + (nl != NULL);
				sent++;
			} else if (!eof_sent) {
				if (write(m, "\x04", 1) < 0)
					break;
				eof_sent = true;
			}
		}
		struct pollfd pf = {.fd = m, .events = POLLIN};
		int r = poll(&pf, 1, 100);
		quiet = r == 0;
		if (r <= 0)
			continue;
		char buf[4096];
		ssize_t n = read(m, buf, sizeof(buf));
		if (n <= 0) /* EIO: the program and its children closed the terminal */
			break;
		fwrite(buf, 1, (size_t)n, stdout);
		/* Count prompts across reads: search tail + buf. */
		for (ssize_t i = 0; i < n; i++) {
			if (tl == sizeof(tail) - 1) {
				memmove(tail, tail + 1, tl - 1);
				tl--;
			}
			tail[tl++] = buf[i];
			if (tl >= plen && !memcmp(tail + tl - plen, prompt, plen)) {
				prompts++;
				tl = 0;
			}
		}
	}
	fflush(stdout);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
