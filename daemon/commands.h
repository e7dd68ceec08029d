/*
 * commands.h - the subcommands of the nerd binary. Each takes the
 * arguments after its own name (argv[0] is the subcommand) and returns the
 * process exit status.
 */
#ifndef NERD_COMMANDS_H
#define NERD_COMMANDS_H

int cmd_tag(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_feed(int argc, char **argv);
int cmd_sub(int argc, char **argv);
int cmd_ctl(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
/* Not for users: `nerd serve` starts it (spawner.h). */
int cmd_spawner(int argc, char **argv);

#endif
