/*
 * The CUDA kernels (host/gpu/kernels.cu, built by nvcc into a fatbin) as
 * bytes of this binary, for cuModuleLoadData (host/gpu/cudadrv.c). The
 * Makefile passes the fatbin's path; where nvcc is missing it is an empty
 * file, and cudadrv_open() says the build has no kernels.
 */
	.section .rodata.c2d_kernels, "a"
	.balign 64
	.globl c2d_kernels_fatbin
	.type c2d_kernels_fatbin, @object
c2d_kernels_fatbin:
	.incbin C2D_KERNELS_FATBIN
c2d_kernels_fatbin_end:
	.byte 0
	.balign 8
	.globl c2d_kernels_fatbin_size
	.type c2d_kernels_fatbin_size, @object
c2d_kernels_fatbin_size:
	.quad c2d_kernels_fatbin_end - c2d_kernels_fatbin
	.section .note.GNU-stack, "", @progbits
