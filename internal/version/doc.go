// Package version holds the version of vitals, shared by every package of
// the module that names its instrumentation scope.
package version
