// Package clientlink lets the telemetry package build an emitter from a
// *pecta.Client, and post its batches through it, without pecta exporting
// its keys or its transport plumbing. The pecta package fills in the
// functions below when it is initialised; being internal, they are out of
// reach of code outside this module.
package clientlink
