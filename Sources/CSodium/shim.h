#ifndef LINLI_CSODIUM_SHIM_H
#define LINLI_CSODIUM_SHIM_H
#include <sodium.h>
#endif
