/* Secret key files: see keyfile.h. */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "c2d/hex.h"
#include "c2d/random.h"
#include "fsutil.h"

c2d_status c2d_key_secret_hex_read(const char *path, uint8_t *out, size_t len, struct c2d_err *err)
{
	char buf[2 * 64 + 16];
	struct stat st;
	if (len > 64)
		return c2d_fail(err, C2D_E_INTERNAL, "%s: secrets are at most 64 bytes", path);
	int fd, r = c2d_fs_open_input(path, O_NOFOLLOW, &fd, &st, err);
	if (r < 0)
		return r;
	if (st.st_mode & 077) {
		close(fd);
		return c2d_fail(err, C2D_E_INPUT,
				"%s: key file is readable or writable by others (mode %03o); chmod 600 it",
				path, (unsigned)(st.st_mode & 0777));
	}
	ssize_t n;
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: read failed", path);
	size_t got = (size_t)n;
	if (got > 0 && buf[got - 1] == '\n')
		got--;
	int bad = got == sizeof(buf) || c2d_hex_decode(buf, got, out, len, err) < 0;
	explicit_bzero(buf, sizeof(buf));
	if (bad)
		return c2d_fail(err, C2D_E_INPUT, "%s: expected %zu hex digits of a secret key", path, 2 * len);
	return C2D_OK;
}

c2d_status c2d_key_read(const secp256k1_context *ctx, const char *path, uint8_t sk[32],
			struct c2d_err *err)
{
	int r = c2d_key_secret_hex_read(path, sk, 32, err);
	if (r < 0)
		return r;
	if (!secp256k1_ec_seckey_verify(ctx, sk)) {
		explicit_bzero(sk, 32);
		return c2d_fail(err, C2D_E_INPUT, "%s: not a valid secp256k1 secret key (zero or above the group order)",
				path);
	}
	return C2D_OK;
}

c2d_status c2d_key_write(const char *path, const uint8_t sk[32], struct c2d_err *err)
{
	char hex[66];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return c2d_fail(err, C2D_E_USAGE, "%s: already exists; refusing to overwrite a key", path);
		return c2d_fail_errno(err, C2D_E_IO, "%s: cannot create", path);
	}
	c2d_hex(sk, 32, hex);
	hex[64] = '\n';
	/* The umask may have cleared bits, never added them; be explicit. */
	int r = C2D_OK;
	if (fchmod(fd, 0600) < 0 || write(fd, hex, 65) != 65 || fsync(fd) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: write failed", path);
	explicit_bzero(hex, sizeof(hex));
	if (close(fd) < 0 && r == C2D_OK)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: close failed", path);
	if (r != C2D_OK)
		unlink(path);
	return r;
}

c2d_status c2d_key_generate(const secp256k1_context *ctx, uint8_t sk[32], struct c2d_err *err)
{
	/* An invalid scalar has probability about 2^-128 per draw. */
	for (int i = 0; i < 8; i++) {
		int r = c2d_random(sk, 32, err);
		if (r < 0)
			return r;
		if (secp256k1_ec_seckey_verify(ctx, sk))
			return C2D_OK;
	}
	explicit_bzero(sk, 32);
	return c2d_fail(err, C2D_E_INTERNAL, "no valid secp256k1 key from the random source");
}

c2d_status c2d_key_secp_context(secp256k1_context **out, struct c2d_err *err)
{
	uint8_t seed[32];
	*out = NULL;
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	if (ctx == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "secp256k1: out of memory");
	c2d_status r = c2d_random(seed, sizeof(seed), err);
	if (r == C2D_OK && !secp256k1_context_randomize(ctx, seed))
		r = c2d_fail(err, C2D_E_INTERNAL, "secp256k1: cannot randomize the context");
	explicit_bzero(seed, sizeof(seed));
	if (r < 0) {
		secp256k1_context_destroy(ctx);
		return r;
	}
	*out = ctx;
	return C2D_OK;
}
