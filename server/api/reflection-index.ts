import { type DescEnum, type DescExtension, type DescFile, type DescMessage, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/**
 * Lookups behind gRPC server reflection, over a set of files and everything
 * they import. File names are the .proto paths ("switchyard/v1/target.proto").
 */
export interface ReflectionIndex {
  /** Full names of the services to list, in the order given. */
  readonly serviceNames: readonly string[];
  /** The file with this .proto path. */
  fileByName(fileName: string): DescFile | undefined;
  /** The file declaring a service, method, message, enum, enum value, field, oneof or extension. */
  fileContainingSymbol(fullName: string): DescFile | undefined;
  /** The file declaring extension `number` of message `extendee`. */
  fileContainingExtension(extendee: string, number: number): DescFile | undefined;
  /** Numbers of the known extensions of message `typeName`; undefined if the message is unknown. */
  extensionNumbersOf(typeName: string): number[] | undefined;
  /**
   * `file` and its transitive imports as serialized FileDescriptorProtos,
   * `file` first and each file once. Imports whose names are in `alreadySent`
   * are left out (the reflection protocol allows that within one stream);
   * the names of the files returned are added to it.
   */
  serializeWithImports(file: DescFile, alreadySent: Set<string>): Uint8Array[];
}

/** Indexes `files` and their transitive imports; `serviceNames` is what list_services reports. */
export function createReflectionIndex(files: readonly DescFile[], serviceNames: readonly string[]): ReflectionIndex {
  const filesByName = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const extensions = new Map<string, DescFile>();
  const extensionNumbers = new Map<string, number[]>();
  const messageNames = new Set<string>();
  const serialized = new Map<string, Uint8Array>();

  const addExtension = (extension: DescExtension) => {
    symbols.set(extension.typeName, extension.file);
    extensions.set(extensionKey(extension.extendee.typeName, extension.number), extension.file);
    const numbers = extensionNumbers.get(extension.extendee.typeName) ?? [];
    numbers.push(extension.number);
    extensionNumbers.set(extension.extendee.typeName, numbers);
  };
  const addEnum = (descEnum: DescEnum, scope: string) => {
    symbols.set(descEnum.typeName, descEnum.file);
    // Enum values are siblings of their enum in protobuf's name scoping.
    for (const value of descEnum.values) symbols.set(qualify(scope, value.name), descEnum.file);
  };
  const addMessage = (message: DescMessage) => {
    messageNames.add(message.typeName);
    symbols.set(message.typeName, message.file);
    for (const field of message.fields) symbols.set(`${message.typeName}.${field.name}`, message.file);
    for (const oneof of message.oneofs) symbols.set(`${message.typeName}.${oneof.name}`, message.file);
    for (const nested of message.nestedMessages) addMessage(nested);
    // protobuf-es hides map entry messages, but they are symbols of the file.
    for (const nested of message.proto.nestedType) {
      if (nested.options?.mapEntry !== true) continue;
      const entryName = `${message.typeName}.${nested.name}`;
      symbols.set(entryName, message.file);
      for (const field of nested.field) symbols.set(`${entryName}.${field.name}`, message.file);
    }
    for (const nested of message.nestedEnums) addEnum(nested, message.typeName);
    for (const nested of message.nestedExtensions) addExtension(nested);
  };
  const addFile = (file: DescFile) => {
    if (filesByName.has(file.proto.name)) return;
    filesByName.set(file.proto.name, file);
    for (const service of file.services) {
      symbols.set(service.typeName, file);
      for (const method of service.methods) symbols.set(`${service.typeName}.${method.name}`, file);
    }
    for (const message of file.messages) addMessage(message);
    for (const descEnum of file.enums) addEnum(descEnum, file.proto.package);
    for (const extension of file.extensions) addExtension(extension);
    for (const dependency of file.dependencies) addFile(dependency);
  };
  for (const file of files) addFile(file);

  const serialize = (file: DescFile) => {
    let bytes = serialized.get(file.proto.name);
    if (bytes === undefined) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      serialized.set(file.proto.name, bytes);
    }
    return bytes;
  };

  return {
    serviceNames: [...serviceNames],
    fileByName: (fileName) => filesByName.get(fileName),
    fileContainingSymbol: (fullName) => symbols.get(fullName),
    fileContainingExtension: (extendee, number) => extensions.get(extensionKey(extendee, number)),
    extensionNumbersOf: (typeName) => (messageNames.has(typeName) ? [...(extensionNumbers.get(typeName) ?? [])] : undefined),
    serializeWithImports(file, alreadySent) {
      const result: Uint8Array[] = [];
      const visited = new Set<string>();
      const queue = [file];
      for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
        if (visited.has(current.proto.name)) continue;
        visited.add(current.proto.name);
        // The requested file is always sent, even if sent before: it is the answer.
        if (current === file || !alreadySent.has(current.proto.name)) {
          result.push(serialize(current));
          alreadySent.add(current.proto.name);
        }
        queue.push(...current.dependencies);
      }
      return result;
    },
  };
}

function qualify(scope: string, name: string): string {
  return scope === "" ? name : `${scope}.${name}`;
}

function extensionKey(extendee: string, number: number): string {
  return `${extendee}#${number}`;
}
