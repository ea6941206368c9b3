// echo_faiss.h — Echo's C API over FAISS (the C++ library in Debian's libfaiss-dev).
//
// Every function catches every C++ exception inside the bridge and reports it as a
// status code plus a NUL-terminated message written into a caller-supplied buffer.
// No exception ever crosses this boundary. Ids are signed 64-bit; -1 in a search
// result means "no neighbour".
//
// Ownership: an EchoFaissIndex is created by echo_faiss_create or echo_faiss_read
// and freed exactly once by echo_faiss_free.
//
// Concurrency: searches on one index may run concurrently; every other call on the
// index mutates it and must be serialised by the caller (the Swift wrapper does).
#ifndef ECHO_FAISS_H
#define ECHO_FAISS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ECHO_FAISS_OK = 0,
    ECHO_FAISS_INVALID_ARGUMENT = 1, ///< the caller passed something FAISS cannot take
    ECHO_FAISS_BAD_SPECIFICATION = 2, ///< index_factory rejected the description
    ECHO_FAISS_NOT_TRAINED = 3,       ///< the index needs train() before add()
    ECHO_FAISS_DUPLICATE_ID = 4,      ///< an id to add is already in the index
    ECHO_FAISS_UNSUPPORTED = 5,       ///< this index type cannot do that (e.g. HNSW removal)
    ECHO_FAISS_IO = 6,                ///< reading or writing a file failed
    ECHO_FAISS_OUT_OF_MEMORY = 7,
    ECHO_FAISS_INTERNAL = 8,          ///< any other FAISS or C++ failure
    ECHO_FAISS_CORRUPT = 9            ///< index bytes that FAISS cannot read or whose parts disagree
} EchoFaissStatus;

typedef enum {
    ECHO_FAISS_METRIC_INNER_PRODUCT = 0,
    ECHO_FAISS_METRIC_L2 = 1
} EchoFaissMetric;

typedef struct EchoFaissIndex EchoFaissIndex;

/// Creates an index from a FAISS index_factory description ("Flat", "HNSW32",
/// "IVF64,Flat", ...). Indexes without native id support are wrapped so that
/// add_with_ids and remove_ids work with caller-chosen ids.
int echo_faiss_create(int32_t dimension, const char *description, int32_t metric,
                      EchoFaissIndex **out, char *error, size_t error_capacity);

/// Reads an index written by echo_faiss_write from `count` bytes in memory (a file Echo has
/// read and checked itself, so FAISS never reads a file that may change under it). The
/// loaded index is then checked part against part (index_validation.cpp): bytes FAISS
/// cannot read, a kind of index Echo never writes, or parts that disagree are
/// ECHO_FAISS_CORRUPT, never an index that reads out of bounds when searched.
int echo_faiss_read_memory(const uint8_t *bytes, size_t count, EchoFaissIndex **out, char *error,
                           size_t error_capacity);

/// Frees the index. NULL is ignored.
void echo_faiss_free(EchoFaissIndex *index);

int32_t echo_faiss_dimension(const EchoFaissIndex *index);
int32_t echo_faiss_metric(const EchoFaissIndex *index);
int64_t echo_faiss_count(const EchoFaissIndex *index);
int32_t echo_faiss_is_trained(const EchoFaissIndex *index);
/// 1 when the index supports removal of ids (Flat and IVF do, HNSW does not).
int32_t echo_faiss_supports_removal(const EchoFaissIndex *index);
/// 1 when `id` is stored in the index.
int32_t echo_faiss_contains(const EchoFaissIndex *index, int64_t id);

int echo_faiss_train(EchoFaissIndex *index, int64_t n, const float *vectors,
                     char *error, size_t error_capacity);

/// Adds n vectors (n × dimension floats, row-major) with their ids. Rejects ids
/// already present (and ids repeated within the batch) before adding anything.
int echo_faiss_add_with_ids(EchoFaissIndex *index, int64_t n, const float *vectors,
                            const int64_t *ids, char *error, size_t error_capacity);

/// Searches n queries; writes n × k scores and ids. For inner product the scores are
/// similarities (larger is nearer), for L2 squared distances (smaller is nearer).
/// Missing neighbours have id -1.
int echo_faiss_search(const EchoFaissIndex *index, int64_t n, const float *queries,
                      int64_t k, float *scores, int64_t *ids, char *error,
                      size_t error_capacity);

/// Removes the given ids; writes how many were present and removed.
int echo_faiss_remove_ids(EchoFaissIndex *index, int64_t n, const int64_t *ids,
                          int64_t *removed, char *error, size_t error_capacity);

/// Sets a runtime search parameter through faiss::ParameterSpace ("efSearch",
/// "nprobe", ...).
int echo_faiss_set_parameter(EchoFaissIndex *index, const char *name, double value,
                             char *error, size_t error_capacity);

/// FAISS's serialisation of an index, owned by the caller and freed with
/// echo_faiss_free_bytes (the caller writes the file itself, so that it sees the system's
/// reason when a disk is full).
typedef struct EchoFaissBytes EchoFaissBytes;

/// Serialises the index; `bytes` and `count` point into `*out` until it is freed.
int echo_faiss_serialize(const EchoFaissIndex *index, EchoFaissBytes **out, const uint8_t **bytes, size_t *count,
                         char *error, size_t error_capacity);

/// Frees a serialisation from echo_faiss_serialize. NULL is ignored.
void echo_faiss_free_bytes(EchoFaissBytes *bytes);

/// The FAISS version the bridge was built against, e.g. "1.7.3".
const char *echo_faiss_version(void);

/// Describes the BLAS library that is loaded ("OpenBLAS 0.3.21 ..." or a warning that
/// the slow reference BLAS is active). Writes a NUL-terminated string into `buffer`.
/// Returns 1 for OpenBLAS, 0 otherwise.
int32_t echo_blas_describe(char *buffer, size_t capacity);

/// Sets the number of OpenMP threads FAISS uses for batched work (process-wide).
void echo_faiss_set_thread_count(int32_t threads);
int32_t echo_faiss_thread_count(void);

/// Sets how many threads one exact (Flat) single-query scan may split a large index
/// over (process-wide; default: the hardware's thread count). These are plain threads,
/// not OpenMP's.
void echo_faiss_set_scan_thread_count(int32_t threads);
int32_t echo_faiss_scan_thread_count(void);

/// Sets OpenBLAS's thread count when OpenBLAS is loaded (process-wide). Returns 1 if set.
int32_t echo_blas_set_thread_count(int32_t threads);

#ifdef __cplusplus
}
#endif

#endif
