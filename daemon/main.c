/*
 * main.c - the nerd binary: one program, several subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const struct {
	const char *name;
	int (*run)(int, char **);
	const char *help;
} commands[] = {
	{"serve", cmd_serve, "run the daemon (ZeroMQ in, worker processes, JSON out)"},
	{"tag", cmd_tag, "tag JSON Lines articles (or --text FILE) offline"},
	{"compile", cmd_compile, "compile gazetteers and rules into one image"},
	{"check", cmd_check, "validate gazetteers and rules, run rule examples"},
	{"eval", cmd_eval, "score the tagger against gold data"},
	{"feed", cmd_feed, "send JSON Lines articles to a running daemon"},
	{"sub", cmd_sub, "print the daemon's output stream"},
	{"ctl", cmd_ctl, "stats | ping | reload a running daemon"},
	{"keygen", cmd_keygen, "make a CURVE key pair (BASENAME.key, BASENAME.pub)"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: nerd <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n`nerd <command> --help` describes a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("nerd %s\n", NERD_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "spawner"))      /* serve's own helper */
		return cmd_spawner(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "nerd: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
