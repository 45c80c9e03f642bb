// Package keyset holds what every tracker keeps per key: the handles of its
// pools, queues or caches by (type, name), cleaned names, a limit past which
// new keys share one overflow handle, and the one warning the limit gives.
package keyset
