/** TargetService: thin converters around the target commands and queries. */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CreateTargetResponseSchema,
  DeleteTargetResponseSchema,
  GetTargetResponseSchema,
  ListTargetsResponseSchema,
  TargetService,
  UpdateTargetResponseSchema,
} from "../../gen/switchyard/v1/target_pb.js";
import type { TargetCommands } from "../commands/target-commands.js";
import { notFound } from "../domain/errors.js";
import type { Store } from "../store/store.js";
import { actorOf } from "./context.js";
import { detailsToProto, optionalDetailsToProto, pageFromProto, paginationToProto } from "./mappers/common.js";
import {
  targetFilterFromProto,
  targetSortFromProto,
  targetSpecFromProto,
  targetToProto,
  targetUpdateFromProto,
} from "./mappers/target-mapper.js";

/** Creates the TargetService implementation. */
export function createTargetService(deps: { store: Store; commands: TargetCommands }): ServiceImpl<typeof TargetService> {
  const { store, commands } = deps;
  return {
    async createTarget(request, context) {
      const created = await commands.createTarget(actorOf(context), targetSpecFromProto(request));
      return create(CreateTargetResponseSchema, {
        id: created.id,
        details: detailsToProto(created.details),
        signingKey: created.signingKey,
      });
    },

    async getTarget(request, context) {
      const target = await store.getTarget(actorOf(context).resourceOwner, request.id);
      if (!target) throw notFound("target", request.id);
      return create(GetTargetResponseSchema, { target: targetToProto(target) });
    },

    async listTargets(request, context) {
      const query = {
        page: pageFromProto(request.pagination),
        sort: targetSortFromProto(request.sortingColumn),
        filters: request.filters.map(targetFilterFromProto),
      };
      const page = await store.listTargets(actorOf(context).resourceOwner, query);
      return create(ListTargetsResponseSchema, {
        pagination: paginationToProto(page, query.page),
        targets: page.items.map(targetToProto),
      });
    },

    async updateTarget(request, context) {
      const updated = await commands.updateTarget(
        actorOf(context),
        request.id,
        targetUpdateFromProto(request),
        request.expectedSequence,
      );
      return create(UpdateTargetResponseSchema, {
        details: detailsToProto(updated.details),
        signingKey: updated.signingKey ?? "",
      });
    },

    async deleteTarget(request, context) {
      const deleted = await commands.deleteTarget(actorOf(context), request.id, request.expectedSequence);
      return create(DeleteTargetResponseSchema, { details: optionalDetailsToProto(deleted.details) });
    },
  };
}
