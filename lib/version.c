/* Placeholder until the shim lands. */
#include "config.h"
