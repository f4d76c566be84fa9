/* Shared-object commands: see cmd_shared.c. */
#ifndef POOLMON_CMD_SHARED_H
#define POOLMON_CMD_SHARED_H
#endif
