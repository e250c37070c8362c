/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VFH_ENGINE_H
#define VFH_ENGINE_H
#include "vfiohook.h"
#endif
