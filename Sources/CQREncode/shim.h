#ifndef LINLI_CQRENCODE_SHIM_H
#define LINLI_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
