// Package rejected counts the calls whose input a tracker rejected or
// cleaned, in vitals.input.rejections, by signal and reason, with the
// attribute options of every reason built once.
package rejected
