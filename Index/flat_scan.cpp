// flat_scan.cpp — exact top-k for a single query over a Flat index, with AVX2.
//
// Debian builds FAISS with OPTIMIZE GENERIC, so below its BLAS threshold (fewer than
// 20 queries) FAISS scans with scalar code. A single query is memory-bound: this scan
// reads every stored vector once with wide fused multiply-adds and keeps a small heap.
// The AVX2 path is chosen at run time; other CPUs get a portable loop.
#include "bridge_internal.h"

#include <immintrin.h>

#include <algorithm>
#include <exception>
#include <thread>
#include <cfloat>
#include <utility>
#include <vector>

namespace {

using Kernel = float (*)(const float *, const float *, size_t);

float inner_product_portable(const float *a, const float *b, size_t d) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= d; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < d; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

float l2_portable(const float *a, const float *b, size_t d) {
    float s = 0;
    for (size_t i = 0; i < d; i++) {
        float t = a[i] - b[i];
        s += t * t;
    }
    return s;
}

__attribute__((target("avx2,fma"))) inline float horizontal_sum(__m256 v) {
    __m128 low = _mm256_castps256_ps128(v);
    __m128 high = _mm256_extractf128_ps(v, 1);
    __m128 sum = _mm_add_ps(low, high);
    sum = _mm_hadd_ps(sum, sum);
    sum = _mm_hadd_ps(sum, sum);
    return _mm_cvtss_f32(sum);
}

__attribute__((target("avx2,fma"))) float inner_product_avx2(const float *a, const float *b, size_t d) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= d; i += 32) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
        acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
        acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
    }
    for (; i + 8 <= d; i += 8) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    }
    float sum = horizontal_sum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
    for (; i < d; i++) sum += a[i] * b[i];
    return sum;
}

__attribute__((target("avx2,fma"))) float l2_avx2(const float *a, const float *b, size_t d) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= d; i += 16) {
        __m256 t0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 t1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        acc0 = _mm256_fmadd_ps(t0, t0, acc0);
        acc1 = _mm256_fmadd_ps(t1, t1, acc1);
    }
    for (; i + 8 <= d; i += 8) {
        __m256 t = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        acc0 = _mm256_fmadd_ps(t, t, acc0);
    }
    float sum = horizontal_sum(_mm256_add_ps(acc0, acc1));
    for (; i < d; i++) {
        float t = a[i] - b[i];
        sum += t * t;
    }
    return sum;
}

bool cpu_has_avx2() {
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return has;
}

using Entry = std::pair<float, int64_t>;

/// Keeps the k best (score, position) pairs of rows [begin, end) in `heap`, a heap whose
/// front is the worst kept entry. `Better(a, b)` is true when score a ranks above b.
template <typename Better>
void scan_rows(const float *base, int64_t begin, int64_t end, size_t d, const float *query, int64_t k,
               Kernel kernel, Better better, std::vector<Entry> &heap) {
    auto heap_order = [&](const Entry &a, const Entry &b) { return better(a.first, b.first); };
    heap.reserve(static_cast<size_t>(std::min<int64_t>(k, end - begin)));
    for (int64_t i = begin; i < end; i++) {
        float s = kernel(base + static_cast<size_t>(i) * d, query, d);
        if (static_cast<int64_t>(heap.size()) < k) {
            heap.emplace_back(s, i);
            std::push_heap(heap.begin(), heap.end(), heap_order);
        } else if (better(s, heap.front().first)) {
            std::pop_heap(heap.begin(), heap.end(), heap_order);
            heap.back() = Entry(s, i);
            std::push_heap(heap.begin(), heap.end(), heap_order);
        }
    }
}

/// Below this many floats a scan is too short to be worth a second thread.
constexpr int64_t kParallelScanFloats = int64_t(1) << 22;

template <typename Better>
void scan(const float *base, int64_t count, size_t d, const float *query, int64_t k, Kernel kernel,
          Better better, float worst, int threads, float *scores, int64_t *positions) {
    auto heap_order = [&](const Entry &a, const Entry &b) { return better(a.first, b.first); };
    std::vector<Entry> heap;
    if (threads > 1 && count * static_cast<int64_t>(d) >= kParallelScanFloats) {
        // Memory-bound: each thread streams its own share of the rows.
        std::vector<std::vector<Entry>> partial(static_cast<size_t>(threads));
        auto share = [&](int t) {
            scan_rows(base, count * t / threads, count * (t + 1) / threads, d, query, k, kernel, better,
                      partial[static_cast<size_t>(t)]);
        };
        // An exception in a worker (out of memory) is carried back and rethrown here, where
        // the bridge's guard turns it into a status; it must never end a thread.
        std::vector<std::exception_ptr> failures(static_cast<size_t>(threads));
        auto guarded_share = [&](int t) {
            try {
                share(t);
            } catch (...) {
                failures[static_cast<size_t>(t)] = std::current_exception();
            }
        };
        std::vector<std::thread> workers;
        int launched = 1;
        for (; launched < threads; launched++) {
            try {
                workers.emplace_back(guarded_share, launched);
            } catch (...) {
                break; // no thread to be had: the caller scans the remaining shares itself
            }
        }
        guarded_share(0);
        for (int t = launched; t < threads; t++) guarded_share(t);
        for (std::thread &worker : workers) worker.join();
        for (const std::exception_ptr &failure : failures) {
            if (failure) std::rethrow_exception(failure);
        }
        for (const std::vector<Entry> &part : partial) heap.insert(heap.end(), part.begin(), part.end());
        std::sort(heap.begin(), heap.end(), heap_order);
        if (static_cast<int64_t>(heap.size()) > k) heap.resize(static_cast<size_t>(k));
    } else {
        scan_rows(base, 0, count, d, query, k, kernel, better, heap);
        std::sort_heap(heap.begin(), heap.end(), heap_order);
    }
    for (int64_t r = 0; r < k; r++) {
        if (r < static_cast<int64_t>(heap.size())) {
            scores[r] = heap[static_cast<size_t>(r)].first;
            positions[r] = heap[static_cast<size_t>(r)].second;
        } else {
            scores[r] = worst;
            positions[r] = -1;
        }
    }
}

} // namespace

namespace echo_bridge {

void flat_scan_top_k(const faiss::IndexFlat &flat, const float *query, int64_t k, int threads,
                     float *scores, int64_t *positions) {
    const size_t d = static_cast<size_t>(flat.d);
    const float *base = flat.get_xb();
    const bool avx2 = cpu_has_avx2();
    if (flat.metric_type == faiss::METRIC_INNER_PRODUCT) {
        scan(base, flat.ntotal, d, query, k, avx2 ? inner_product_avx2 : inner_product_portable,
             [](float a, float b) { return a > b; }, -FLT_MAX, threads, scores, positions);
    } else {
        scan(base, flat.ntotal, d, query, k, avx2 ? l2_avx2 : l2_portable,
             [](float a, float b) { return a < b; }, FLT_MAX, threads, scores, positions);
    }
}

} // namespace echo_bridge
