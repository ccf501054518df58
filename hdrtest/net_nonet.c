// SPDX-License-Identifier: GPL-2.0
/* <kasync/net.h> as a kernel built without CONFIG_NET sees it: the stubs. */
#undef CONFIG_NET
#undef CONFIG_NET_MODULE
#include <kasync/net.h>

static_assert(!IS_ENABLED(CONFIG_NET));

/* Only the stubs define kasync_sock_nonet(): this proves which side built. */
static __maybe_unused enum kasync_poll hdrtest_nonet(long *res)
{
	return kasync_sock_nonet(res);
}
