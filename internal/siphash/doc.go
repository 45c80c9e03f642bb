// Package siphash implements SipHash-2-4 (Aumasson and Bernstein, "SipHash:
// a fast short-input PRF", 2012), a keyed 64-bit hash made for short
// inputs: with a secret 128-bit key, its outputs cannot be forged or
// inverted, so it protects identifiers as a keyed MAC does at a fraction of
// HMAC-SHA256's cost.
package siphash
