/* c2d/bootevents.h: init's boot events and the boot quote's report data. */
#include <string.h>

#include <bearssl.h>

#include "c2d/bootevents.h"
#include "c2d/rtmr.h"

void c2d_boot_events(const uint8_t init_sha256[32], struct c2d_boot_event ev[C2D_BOOT_EVENTS])
{
	ev[0].name = C2D_BOOT_EVENT_INIT;
	ev[0].payload = init_sha256;
	ev[0].len = 32;
	ev[1].name = C2D_BOOT_EVENT_DONE;
	ev[1].payload = NULL;
	ev[1].len = 0;
	for (int i = 0; i < C2D_BOOT_EVENTS; i++)
		c2d_rtmr_event_digest(C2D_EVENT_RUNTIME, ev[i].name, ev[i].payload, ev[i].len,
					 ev[i].digest);
}

void c2d_boot_rtmr3(const uint8_t init_sha256[32], uint8_t rtmr3[48])
{
	struct c2d_boot_event ev[C2D_BOOT_EVENTS];
	c2d_boot_events(init_sha256, ev);
	memset(rtmr3, 0, 48);
	for (int i = 0; i < C2D_BOOT_EVENTS; i++)
		c2d_rtmr_extend(rtmr3, ev[i].digest);
}

void c2d_boot_report_data(const uint8_t nonce[C2D_BOOT_NONCE_LEN],
			  uint8_t report_data[C2D_BOOT_REPORT_DATA_LEN])
{
	br_sha512_context c;
	br_sha512_init(&c);
	br_sha512_update(&c, C2D_BOOT_QUOTE_CONTEXT, strlen(C2D_BOOT_QUOTE_CONTEXT));
	br_sha512_update(&c, nonce, C2D_BOOT_NONCE_LEN);
	br_sha512_out(&c, report_data);
}
