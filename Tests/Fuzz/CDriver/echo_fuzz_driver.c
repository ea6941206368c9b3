// The declaration in include/echo_fuzz_driver.h is all there is; libFuzzer defines the function.
#include "echo_fuzz_driver.h"
