/**
 * Reads a .vsix (a zip file) as the Marketplace and the editor see it: the list of its
 * entries with their sizes, and the text of one entry. Only what the package checks and the
 * bundle-weight script need: stored or deflated entries, no zip64 (a .vsix is far below 4 GB).
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface VsixEntry {
  /** Path inside the archive, e.g. `extension/dist/extension.js`. */
  name: string;
  /** Size once extracted, in bytes. */
  size: number;
  compressedSize: number;
  method: number;
  localHeaderOffset: number;
}

export interface VsixFile {
  path: string;
  /** Size of the .vsix itself, in bytes. */
  bytes: number;
  entries: VsixEntry[];
  /** The extracted bytes of `name`; throws when the archive has no such entry. */
  read(name: string): Buffer;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

export function readVsix(path: string): VsixFile {
  const zip = readFileSync(path);
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error(`${path} is not a zip file (no end of central directory): package it again with npm run package.`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: VsixEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL_DIRECTORY_ENTRY) throw new Error(`${path}: central directory entry ${i} is damaged.`);
    const nameLength = zip.readUInt16LE(at + 28);
    entries.push({
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localHeaderOffset: zip.readUInt32LE(at + 42),
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return {
    path,
    bytes: zip.length,
    entries,
    read(name: string): Buffer {
      const entry = entries.find((e) => e.name === name);
      if (!entry) throw new Error(`${path} has no ${name}.`);
      const local = entry.localHeaderOffset;
      if (zip.readUInt32LE(local) !== LOCAL_HEADER) throw new Error(`${path}: the local header of ${name} is damaged.`);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + entry.compressedSize);
      if (entry.method === 0) return Buffer.from(data);
      if (entry.method === 8) return inflateRawSync(data);
      throw new Error(`${path}: ${name} uses zip compression method ${entry.method}, which this reader does not know.`);
    },
  };
}
