/** Lockout routes: the locked-out employee's answer to the unlock question, as a signal to their workflow. */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { lockoutWorkflowId, unlockReplySignal } from '../../../workflows/lockout/messages.js';
import { type ApiTokens, requireFrontend } from '../auth.js';
import { HttpError } from '../errors.js';
import { ErrorSchema, LockoutParamsSchema, LockoutReplyBodySchema } from '../schemas.js';

export interface LockoutRoutesOptions extends ApiTokens {
  client: Client;
}

export const lockoutRoutes: FastifyPluginAsync<LockoutRoutesOptions> = async (app, opts) => {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/lockouts/:userId/reply',
    {
      onRequest: requireFrontend(opts),
      schema: {
        summary: 'The locked-out employee answers the unlock question (UNLOCK_POLICY=ask-user)',
        description: 'The lockout workflow accepts the answer only when `email` (as the chat platform verified it) belongs to the locked-out user.',
        operationId: 'replyToLockout',
        params: LockoutParamsSchema,
        body: LockoutReplyBodySchema,
        response: {
          202: z.object({ delivered: z.literal(true) }),
          400: ErrorSchema.describe('Malformed body or user ID'),
          401: ErrorSchema.describe('Unauthorized'),
          404: ErrorSchema.describe('No lockout for this user'),
        },
      },
    },
    async (request, reply) => {
      const { userId } = request.params;
      if (!/^[A-Za-z0-9]{1,64}$/.test(userId)) throw new HttpError(400, 'invalid_user_id', 'expected an Okta user ID');
      try {
        await opts.client.workflow.getHandle(lockoutWorkflowId(userId)).signal(unlockReplySignal, request.body);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'not_found', 'no open lockout for this user');
        throw err;
      }
      return reply.code(202).send({ delivered: true });
    },
  );
};
