/*
 * death.h — death tests for the unit suites: run a function in a forked
 * child and check that it dies as loom_fatal() makes it die (one line
 * "loom: internal error: ..." on stderr, then abort), with the expected
 * words in that line.  Include after <cmocka.h>.
 */
#ifndef LOOM_TESTS_UNIT_DEATH_H
#define LOOM_TESTS_UNIT_DEATH_H

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void expect_fatal(void (*fn)(void *), void *arg, const char *words)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], STDERR_FILENO);
        signal(SIGABRT, SIG_DFL);
        fn(arg);
        _exit(0);                /* survived: the parent fails the test */
    }
    close(fd[1]);
    char msg[512];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof(msg) - 1 &&
           (r = read(fd[0], msg + n, sizeof(msg) - 1 - n)) > 0)
        n += (size_t)r;
    msg[n] = '\0';
    close(fd[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT ||
        !strstr(msg, "internal error: ") || !strstr(msg, words))
        fail_msg("expected an abort with \"%s\"; status %#x, stderr \"%s\"",
                 words, st, msg);
}

#endif
