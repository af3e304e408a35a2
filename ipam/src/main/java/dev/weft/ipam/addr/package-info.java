/**
 * Address types: {@link dev.weft.ipam.addr.IpAddress}, {@link dev.weft.ipam.addr.Cidr} and the
 * half-open {@link dev.weft.ipam.addr.IpRange}. IPv4 and IPv6, immutable, no DNS lookups.
 */
package dev.weft.ipam.addr;
