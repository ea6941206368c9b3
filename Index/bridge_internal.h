// bridge_internal.h — shared pieces of the FAISS bridge (not part of the C API).
#pragma once

#include <faiss/Index.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/impl/io.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_set>

#include "echo_faiss.h"

/// The one owner of a FAISS index and the views into it that the bridge needs.
struct EchoFaissIndex {
    std::unique_ptr<faiss::Index> index;     ///< owns everything below
    faiss::IndexIDMap2 *id_map = nullptr;    ///< set when ids are kept by an IDMap2
    const faiss::IndexFlat *flat = nullptr;  ///< the Flat inside id_map, for the fast scan
    faiss::IndexIVF *ivf = nullptr;          ///< set for IVF indexes (native ids)
    std::unordered_set<int64_t> ids;         ///< every stored id, to reject duplicates
};

/// The one owner of an index's serialisation (echo_faiss_serialize).
struct EchoFaissBytes {
    faiss::VectorIOWriter writer;
};

namespace echo_bridge {

/// An error the bridge raises itself, with the status it maps to.
struct BridgeError : std::runtime_error {
    int status;
    BridgeError(int status, const std::string &message)
        : std::runtime_error(message), status(status) {}
};

/// Copies `message` into the caller's buffer, truncating, always NUL-terminated.
void write_message(char *buffer, size_t capacity, const std::string &message);

/// Runs `body`, turning every exception into a status code and a message.
/// `fallback` is the status for FAISS exceptions (it depends on the operation).
template <typename Body>
int guarded(char *error, size_t capacity, int fallback, Body &&body) noexcept {
    try {
        return body();
    } catch (const BridgeError &e) {
        write_message(error, capacity, e.what());
        return e.status;
    } catch (const std::bad_alloc &) {
        write_message(error, capacity, "out of memory");
        return ECHO_FAISS_OUT_OF_MEMORY;
    } catch (const std::exception &e) {
        write_message(error, capacity, e.what());
        return fallback;
    } catch (...) {
        write_message(error, capacity, "unknown C++ exception");
        return ECHO_FAISS_INTERNAL;
    }
}

/// Throws a BridgeError (ECHO_FAISS_CORRUPT) unless `bytes` are laid out as one of the
/// kinds of index Echo writes, with every count backed by the bytes that follow (so that
/// FAISS's reader never sizes a buffer from a count the file cannot fill).
void check_layout(const uint8_t *bytes, size_t count);

/// Throws a BridgeError (ECHO_FAISS_CORRUPT) unless `index` is one of the kinds Echo
/// writes and every invariant a search relies on holds (index_validation.cpp).
void validate_loaded(const faiss::Index *index);

/// Fills the views (id_map, flat, ivf) and the id set from `holder->index`.
/// Throws BridgeError when the index keeps no caller ids.
void attach_views(EchoFaissIndex *holder);

/// Exact top-k over a Flat index's stored vectors for one query, with a SIMD kernel;
/// large indexes are split over up to `threads` threads. Writes k scores and
/// *positions* (not ids) in rank order; missing ranks get -1.
void flat_scan_top_k(const faiss::IndexFlat &flat, const float *query, int64_t k, int threads,
                     float *scores, int64_t *positions);

} // namespace echo_bridge
