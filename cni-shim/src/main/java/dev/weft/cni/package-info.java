/** The thin CNI plugin and the shim-agent protocol. JDK only plus generated protocol classes. */
package dev.weft.cni;
