import { create, type DescFile } from "@bufbuild/protobuf";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { createReflectionIndex, type ReflectionIndex } from "./reflection-index.js";

/** A reflection service and its implementation, ready for `router.service(service, impl)`. */
export type ReflectionServiceRoute =
  | { service: typeof v1.ServerReflection; impl: ServiceImpl<typeof v1.ServerReflection> }
  | { service: typeof v1alpha.ServerReflection; impl: ServiceImpl<typeof v1alpha.ServerReflection> };

/**
 * Creates gRPC server reflection, `grpc.reflection.v1.ServerReflection` and
 * the older `grpc.reflection.v1alpha.ServerReflection` that some clients
 * still use, over `files` and their transitive imports (well-known types,
 * buf/validate). `serviceNames` is what list_services reports; the two
 * reflection services are added to it and to the files.
 */
export function createReflectionServices(files: DescFile[], serviceNames: string[]): ReflectionServiceRoute[] {
  const reflectionFiles = [v1.file_grpc_reflection_v1_reflection, v1alpha.file_grpc_reflection_v1alpha_reflection];
  const reflectionNames = [v1.ServerReflection.typeName, v1alpha.ServerReflection.typeName];
  const index = createReflectionIndex(
    [...files, ...reflectionFiles],
    [...serviceNames, ...reflectionNames.filter((name) => !serviceNames.includes(name))],
  );
  const v1Impl: ServiceImpl<typeof v1.ServerReflection> = {
    async *serverReflectionInfo(requests) {
      const sent = new Set<string>();
      for await (const request of requests) {
        yield create(v1.ServerReflectionResponseSchema, {
          validHost: request.host,
          originalRequest: request,
          messageResponse: answer(index, request, sent),
        });
      }
    },
  };
  const v1alphaImpl: ServiceImpl<typeof v1alpha.ServerReflection> = {
    async *serverReflectionInfo(requests) {
      const sent = new Set<string>();
      for await (const request of requests) {
        yield create(v1alpha.ServerReflectionResponseSchema, {
          validHost: request.host,
          originalRequest: request,
          messageResponse: answer(index, request, sent),
        });
      }
    },
  };
  return [
    { service: v1.ServerReflection, impl: v1Impl },
    { service: v1alpha.ServerReflection, impl: v1alphaImpl },
  ];
}

/** A reflection request as both protocol versions shape it. */
interface ReflectionRequest {
  messageRequest:
    | { case: "fileByFilename" | "fileContainingSymbol" | "allExtensionNumbersOfType" | "listServices"; value: string }
    | { case: "fileContainingExtension"; value: { containingType: string; extensionNumber: number } }
    | { case: undefined; value?: undefined };
}

/** A reflection answer as both protocol versions shape it. */
type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

// Errors travel inside the stream as error_response, so one unknown symbol
// does not end a client's whole reflection session.
function answer(index: ReflectionIndex, request: ReflectionRequest, sent: Set<string>): ReflectionAnswer {
  const { messageRequest } = request;
  switch (messageRequest.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: index.serviceNames.map((name) => ({ name })) } };
    case "fileByFilename":
      return filesOrNotFound(index, index.fileByName(messageRequest.value), sent, `file ${messageRequest.value}`);
    case "fileContainingSymbol":
      return filesOrNotFound(index, index.fileContainingSymbol(messageRequest.value), sent, `symbol ${messageRequest.value}`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = messageRequest.value;
      const file = index.fileContainingExtension(containingType, extensionNumber);
      return filesOrNotFound(index, file, sent, `extension ${extensionNumber} of ${containingType}`);
    }
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbersOf(messageRequest.value);
      if (numbers === undefined) return error(Code.NotFound, `type ${messageRequest.value} not found`);
      return { case: "allExtensionNumbersResponse", value: { baseTypeName: messageRequest.value, extensionNumber: numbers } };
    }
    case undefined:
      return error(Code.InvalidArgument, "no message_request set");
  }
}

function filesOrNotFound(index: ReflectionIndex, file: DescFile | undefined, sent: Set<string>, what: string): ReflectionAnswer {
  if (file === undefined) return error(Code.NotFound, `${what} not found`);
  return { case: "fileDescriptorResponse", value: { fileDescriptorProto: index.serializeWithImports(file, sent) } };
}

// Connect's Code enum uses the gRPC status numbers (NotFound = 5), which is
// what error_code carries.
function error(code: Code, message: string): ReflectionAnswer {
  return { case: "errorResponse", value: { errorCode: code, errorMessage: message } };
}
