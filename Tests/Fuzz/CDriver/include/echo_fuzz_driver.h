// echo_fuzz_driver.h — libFuzzer's driver entry (compiler-rt's FuzzerInterface.h), declared
// here because SwiftPM gives every executable a Swift `main`: echo-fuzz's main hands control
// to libFuzzer through this call in `make fuzz`'s build.
#ifndef ECHO_FUZZ_DRIVER_H
#define ECHO_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
