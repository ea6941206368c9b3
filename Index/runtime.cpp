// runtime.cpp — process-wide knobs: OpenMP threads for FAISS and the BLAS in use.
#include "echo_faiss.h"
#include "bridge_internal.h"

#include <dlfcn.h>

#include <algorithm>

#include <atomic>
#include <string>
#include <thread>

// libgomp's entry points, declared here because Swift's clang ships no <omp.h>.
extern "C" void omp_set_num_threads(int);
extern "C" int omp_get_max_threads(void);

namespace {
std::atomic<int32_t> scan_threads{static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()))};
}

extern "C" {

void echo_faiss_set_scan_thread_count(int32_t threads) { scan_threads.store(threads > 0 ? threads : 1); }

int32_t echo_faiss_scan_thread_count(void) { return scan_threads.load(); }

void echo_faiss_set_thread_count(int32_t threads) { omp_set_num_threads(threads > 0 ? threads : 1); }

int32_t echo_faiss_thread_count(void) { return omp_get_max_threads(); }

int32_t echo_blas_describe(char *buffer, size_t capacity) {
    using ConfigFunction = char *(*)(void);
    using CoreFunction = char *(*)(void);
    auto config = reinterpret_cast<ConfigFunction>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
    auto core = reinterpret_cast<CoreFunction>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    if (config == nullptr) {
        echo_bridge::write_message(
            buffer, capacity,
            "reference BLAS (not OpenBLAS): batched search and the backbone will be many times slower; "
            "install libopenblas-dev (make setup) so libblas.so.3 resolves to OpenBLAS");
        return 0;
    }
    std::string text = config();
    if (core != nullptr) text += std::string(" (core ") + core() + ")";
    echo_bridge::write_message(buffer, capacity, text);
    return 1;
}

int32_t echo_blas_set_thread_count(int32_t threads) {
    using SetThreads = void (*)(int);
    auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (set == nullptr) return 0;
    set(threads > 0 ? threads : 1);
    return 1;
}

} // extern "C"
