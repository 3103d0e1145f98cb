/*
 * host/kms/kmsview_rpc.h: the KMS's chain view (c2d/kmsview.h) over the
 * JSON-RPC client of host/chain/kmschain.h, for `c2d kms serve`
 * (docs/kms-protocol.md, "The chain view").
 *
 * Pins. block() pins with c2d_kmschain_pin and remembers the block (its
 * number and hash) for the calling thread; compose() and dataset() on that
 * thread then read at exactly that block, by hash, and refuse any other
 * number. The decision makes its reads on the thread that pinned (the
 * daemon runs one request per thread), so two decisions in flight never
 * see each other's pins, and a reorganisation between two pins at the same
 * height cannot mix two states in one decision.
 *
 * Spends. spend() runs the whole of c2d_kmschain_spend (estimate, sign,
 * send, wait for the configured depth) and keeps the landed transaction
 * for the thread; receipt() hands back its block. Spends are serialised
 * by their own mutex and session: the account's nonce is read and used by
 * one spend at a time, so two releases never race for it. Reads have a
 * second session and mutex, so that a spend waiting for depth does not
 * hold every other decision's reads.
 *
 * Errors: every RPC error, revert and timeout of host/chain/ is passed on
 * unchanged (a refusal upstream, never a release); a read at a block this
 * thread did not pin, or a receipt for a transaction it did not send, is
 * C2D_E_USAGE.
 *
 * The chain key (sk) is the caller's and must outlive the view: the KMS
 * passes its root key's page (host/kms/kmskey.h), whose address is the
 * contract's `kms`. Nothing here copies, logs or wipes it. Not
 * constant-time (the data is public). No global state; all functions are
 * safe from several threads.
 *
 * Prefix: c2d_kmsview_rpc_
 */
#ifndef C2D_HOST_KMSVIEW_RPC_H
#define C2D_HOST_KMSVIEW_RPC_H

#include <pthread.h>
#include <stdint.h>

#include <secp256k1.h>

#include "c2d/err.h"
#include "c2d/kmsview.h"
#include "kmschain.h"

/* Threads that may hold a pin at once; the least recently used slot is
 * reused beyond that (the daemon's pool is far smaller). */
#define C2D_KMSVIEW_RPC_SLOTS 64

struct c2d_kmsview_rpc_slot {
	pthread_t thread;
	uint64_t used;                /* 0: free; else a use counter */
	int pinned, spent;
	struct c2d_block at;          /* the last pin */
	struct c2d_kmschain_tx tx;    /* the last spend */
};

struct c2d_kmsview_rpc {
	pthread_mutex_t read_lock, spend_lock, slot_lock;
	struct c2d_kmschain reads, spends;
	const secp256k1_context *secp;
	const uint8_t *sk;
	uint64_t clock;
	struct c2d_kmsview_rpc_slot slot[C2D_KMSVIEW_RPC_SLOTS];
};

/* Opens both sessions to url for the contract app (c2d_kmschain_open's
 * arguments and errors; wait_ms bounds a spend's wait for depth) and fills
 * view with v's functions. Close with c2d_kmsview_rpc_close, also after a
 * failure. */
C2D_MUST_CHECK c2d_status c2d_kmsview_rpc_open(struct c2d_kmsview_rpc *v, const char *url, const uint8_t app[20],
					       uint64_t confirmations, long timeout_ms, long wait_ms,
					       const secp256k1_context *secp, const uint8_t *sk,
					       struct c2d_kmsview *view, struct c2d_err *err);

void c2d_kmsview_rpc_close(struct c2d_kmsview_rpc *v);

#endif
