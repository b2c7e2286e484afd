/* smallpack.h — `holo smallpack ...` (smallpack.c), called from holo.c's main. */
#ifndef HOLO_CLI_SMALLPACK_H
#define HOLO_CLI_SMALLPACK_H
/* argv[0] is "smallpack". Returns the exit status. */
int holo_cli_smallpack(int argc, char **argv);
#endif
