/* The library version, for run-time checks against RSESS_VERSION_NUMBER. */
#include "base.h"

const char *rsess_version(void) { return RSESS_VERSION_STRING; }
unsigned long rsess_version_number(void) { return RSESS_VERSION_NUMBER; }
