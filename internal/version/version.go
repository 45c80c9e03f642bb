// Package version holds the version of vitals, shared by every package of
// the module that names its instrumentation scope.
package version

// Version is the version of vitals, reported as the instrumentation scope
// version of every meter vitals creates.
const Version = "0.1.0"
