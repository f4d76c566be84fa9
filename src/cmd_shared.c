/* Shared-object commands (filled in next). */
#include "cmd_shared.h"
typedef int pm_cmd_shared_placeholder;
