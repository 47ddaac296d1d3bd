/* SPDX-License-Identifier: MIT */
/* The iovm command line: subcommands and their shared parsing helpers.
 * Private to the binary (vmm-lite/main.c and cmd_*.c). */
#ifndef IOVM_CLI_H
#define IOVM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit code for bad input: nothing was started or changed. */
#define EXIT_USAGE 2

int parse_size(const char *s, uint64_t *out);
int parse_int(const char *s, long min, long max, long *out);
int parse_mem_option(const char *s, uint64_t *size, bool *hugepages);

int cmd_run(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_sriov(int argc, char **argv);
int cmd_bind(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_doctor(int argc, char **argv);

/* Directory holding this executable (for the default guest image). */
int self_dir(char *buf, size_t len);

#endif
