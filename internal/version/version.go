package version

// Version is the version of vitals, reported as the instrumentation scope
// version of every meter vitals creates.
const Version = "0.1.0"
