package goredis

import (
	"context"
	"errors"
	"reflect"

	"github.com/redis/go-redis/v9"

	"github.com/otelvitals/vitals/instrument/cache"
)

// Get looks key up with GET through client, timing the round trip, and
// records the lookup in c: a value is a hit, [redis.Nil] a miss. It returns
// what client.Get(ctx, key).Result() returns, redis.Nil unchanged on a
// miss, so the usual check still works:
//
//	v, err := goredis.Get(ctx, rdb, users, "user:42")
//	switch {
//	case errors.Is(err, redis.Nil): // a miss: load the user, SET it
//	case err != nil: // Redis failed: neither a hit nor a miss
//	}
//
// Any other error (a WRONGTYPE reply, a closed client, a network error, a
// cancelled ctx) is returned and recorded as neither a hit nor a miss: it
// tells nothing of how well the cache hits. A nil c records nothing.
//
// client is any go-redis client (a *redis.Client, *redis.ClusterClient,
// *redis.Ring, a *redis.Conn), but not a pipeline, whose replies arrive only
// at Exec. A nil client (a nil interface or a nil pointer) is
// [ErrNilClient], with nothing sent or recorded; a nil ctx is taken as
// context.Background(). Get allocates nothing beyond what go-redis does,
// and is safe for concurrent use as far as client is.
func Get(ctx context.Context, client redis.Cmdable, c *cache.Cache, key string) (string, error) {
	if isNil(client) {
		return "", ErrNilClient
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return Lookup(c, func() *redis.StringCmd { return client.Get(ctx, key) }).Result()
}

// Lookup runs cmd, a lookup that answers a missing entry with [redis.Nil],
// timing it, and records it in c as [Get] does: a reply is a hit, redis.Nil
// a miss, any other error neither. It returns the command cmd returned,
// untouched, to be read as usual:
//
//	raw, err := goredis.Lookup(users, func() *redis.StringCmd {
//		return rdb.HGet(ctx, "user:42", "profile")
//	}).Bytes()
//
// GET, GETEX, GETDEL, HGET, LINDEX, ZSCORE (a *redis.FloatCmd) and Do
// (a *redis.Cmd) answer a missing entry with redis.Nil; commands that
// answer it otherwise, such as HGETALL (an empty map) or MGET (a nil per
// key), do not fit: their misses would be counted as hits.
//
// A nil c runs cmd and records nothing. A nil cmd is not run: Lookup
// returns a new command of type C whose Err is [ErrNilFunc] (the zero C
// when C is not a pointer to a struct, such as an interface type), and
// records nothing. A nil command returned by cmd is returned as it is,
// unrecorded. Lookup allocates nothing beyond what cmd does: a closure
// passed to it directly stays on the stack.
func Lookup[C redis.Cmder](c *cache.Cache, cmd func() C) C {
	if cmd == nil {
		return failedCmd[C](ErrNilFunc)
	}
	if c == nil {
		return cmd()
	}
	op := c.Start()
	res := cmd()
	if isNil(res) {
		return res // nothing to read: op is dropped unrecorded
	}
	switch err := res.Err(); {
	case err == nil:
		op.Hit()
	case !errors.Is(err, redis.Nil):
		return res // neither: op is dropped unrecorded
	}
	op.End()
	return res
}

// failedCmd returns a new command of type C that failed with err, or the
// zero C when C is not a pointer to a struct.
func failedCmd[C redis.Cmder](err error) C {
	t := reflect.TypeFor[C]()
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		var zero C
		return zero
	}
	cmd, ok := reflect.New(t.Elem()).Interface().(C)
	if !ok {
		var zero C
		return zero
	}
	cmd.SetErr(err)
	return cmd
}
