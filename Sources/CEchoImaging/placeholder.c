#include "echo_imaging.h"
