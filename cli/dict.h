/* dict.h — `holo dict ...` (dict.c), called from holo.c's main. */
#ifndef HOLO_CLI_DICT_H
#define HOLO_CLI_DICT_H
/* argv[0] is "dict". Returns the exit status. */
int holo_cli_dict(int argc, char **argv);
#endif
