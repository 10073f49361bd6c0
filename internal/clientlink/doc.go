// Package clientlink lets the telemetry package build an emitter from a
// *pecta.Client without pecta exporting its keys. The pecta package fills
// in the functions below when it is initialised; being internal, they are
// out of reach of code outside this module.
package clientlink
