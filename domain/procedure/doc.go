// Package procedure will declare the shape of an approval procedure as
// data and interpret it (issue 13). For now it holds the streams recorded
// before that change, which every later version must replay unchanged.
package procedure
