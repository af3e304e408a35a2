/** Pure IPAM logic: address types, the range-ownership ring CRDT and the per-node allocator. No I/O. */
package dev.weft.ipam;
