/** OpenAPI 3.0 description of the HTTP API for chat frontends, served at `GET /openapi.json`. */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ref('Error')) });

const requestIdParam = { name: 'id', in: 'path', required: true, description: 'Opaque request ID returned when the request was created', schema: { type: 'string' } };
const chatUserHeader = { name: 'X-Chat-User-Id', in: 'header', required: true, description: 'The chat user asking (must be the requester)', schema: { type: 'string' } };
const idempotencyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: true,
  description: 'The frontend\'s request ID: a retry with the same key returns the same request instead of a new reset',
  schema: { type: 'string', maxLength: 200, pattern: '^[A-Za-z0-9._:-]+$' },
};

const resetOperation = (summary: string, action: string) => ({
  summary,
  operationId: action === 'reset-password' ? 'createPasswordReset' : 'createMfaReset',
  parameters: [idempotencyHeader],
  requestBody: { required: true, ...json(ref('ResetRequest')) },
  responses: {
    '200': { description: 'The request (completed, waiting for a choice or approval, ...)', ...json(ref('Request')) },
    '400': error('Malformed JSON, body or Idempotency-Key'),
    '401': error('Missing or wrong bearer token'),
    '403': error('Refused: not your account, or not allowed (details.request has the request)'),
    '404': error('No Okta user for the target or the requester'),
    '409': error('Idempotency key already used by another chat user, or nothing to reset'),
    '429': error('Daily limit reached for this account'),
  },
});

export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'okta-account-access self-service API',
      version: '1.0.0',
      description:
        'For chat frontends: password reset links and MFA resets for the employee who asks, with helpdesk approvals. ' +
        'Authenticate with `Authorization: Bearer <frontend token>` (HTTP_API_TOKENS). Errors are `{error: {code, message, details}}`.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearer: [] }],
    paths: {
      '/v1/password-resets': { post: resetOperation('Request a single-use password reset link', 'reset-password') },
      '/v1/mfa-resets': { post: resetOperation('Request an MFA reset (all factors, or a choice of factors)', 'reset-mfa') },
      '/v1/requests/{id}': {
        get: {
          summary: 'The current state of a request (poll while checking or awaiting approval)',
          operationId: 'getRequest',
          parameters: [requestIdParam, chatUserHeader],
          responses: { '200': { description: 'The request', ...json(ref('Request')) }, '400': error('Missing X-Chat-User-Id'), '401': error('Unauthorized'), '404': error('No such request for this frontend and chat user') },
        },
      },
      '/v1/requests/{id}/factors': {
        post: {
          summary: 'Choose the MFA factors to reset (MFA mode `choose`)',
          operationId: 'chooseFactors',
          parameters: [requestIdParam],
          requestBody: { required: true, ...json(ref('ChooseFactors')) },
          responses: { '200': { description: 'The request after the choice', ...json(ref('Request')) }, '400': error('Malformed body'), '401': error('Unauthorized'), '404': error('No such request'), '409': error('Not waiting for a choice, or a factor that may not be reset') },
        },
      },
      '/v1/requests/{id}/approval': {
        post: {
          summary: 'A helpdesk approver approves or denies a request',
          description:
            'Needs an approver token (HTTP_API_APPROVER_TOKENS) of the helpdesk tool, not a chat frontend token. The workflow ' +
            'still checks the named approver: helpdesk staff, neither the account owner nor a requester of the run.',
          operationId: 'decideApproval',
          security: [{ approverBearer: [] }],
          parameters: [requestIdParam],
          requestBody: { required: true, ...json(ref('ApprovalDecision')) },
          responses: {
            '200': { description: 'Decision recorded', ...json(ref('ApprovalResult')) },
            '400': error('Malformed body'),
            '401': error('Unauthorized'),
            '403': error('approver_token_required: a frontend token was used; approver_not_allowed: the approver may not decide this request'),
            '404': error('No such request'),
            '409': error('Not waiting for approval'),
            '503': error('approver_check_failed: the approver could not be checked in Okta right now; try again'),
          },
        },
      },
      '/v1/lockouts/{userId}/reply': {
        post: {
          summary: 'The locked-out employee answers the unlock question (UNLOCK_POLICY=ask-user)',
          operationId: 'replyToLockout',
          parameters: [{ name: 'userId', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, ...json(ref('UnlockReply')) },
          description: 'The lockout workflow accepts the answer only when `email` (as the chat platform verified it) belongs to the locked-out user.',
          responses: { '202': { description: 'Delivered to the lockout workflow' }, '400': error('Malformed body or user ID'), '401': error('Unauthorized'), '404': error('No lockout for this user') },
        },
      },
      '/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3 document' } } } },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Chat frontend token (HTTP_API_TOKENS)' },
        approverBearer: { type: 'http', scheme: 'bearer', description: 'Helpdesk approver tool token (HTTP_API_APPROVER_TOKENS)' },
      },
      schemas: {
        Requester: {
          type: 'object',
          required: ['chatUserId', 'email'],
          properties: { chatUserId: { type: 'string', maxLength: 200 }, email: { type: 'string', format: 'email', description: 'Verified by the chat platform' } },
        },
        ResetRequest: {
          type: 'object',
          additionalProperties: false,
          required: ['requester'],
          properties: { requester: ref('Requester'), target: { type: 'string', description: 'Login or email of another account (helpdesk only, always needs approval)' } },
        },
        ChooseFactors: {
          type: 'object',
          additionalProperties: false,
          required: ['chatUserId', 'factorIds'],
          properties: { chatUserId: { type: 'string' }, factorIds: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string' } } },
        },
        ApprovalDecision: {
          type: 'object',
          additionalProperties: false,
          required: ['decision', 'approver', 'reason'],
          properties: {
            decision: { type: 'string', enum: ['approve', 'deny'] },
            approver: { type: 'string', description: 'Okta login or email of the approver (must be helpdesk, not the requester or the account owner)' },
            reason: { type: 'string', maxLength: 1000 },
          },
        },
        UnlockReply: {
          type: 'object',
          additionalProperties: false,
          required: ['answer', 'email'],
          properties: {
            answer: { type: 'string', enum: ['yes', 'no'] },
            email: { type: 'string', format: 'email', description: 'Email of the person answering, as the chat platform verified it' },
            chatUserId: { type: 'string', maxLength: 200 },
            respondent: { type: 'string', maxLength: 200, description: 'Free-form audit label' },
          },
        },
        Factor: {
          type: 'object',
          properties: { id: { type: 'string' }, factorType: { type: 'string' }, provider: { type: 'string' }, name: { type: 'string' }, status: { type: 'string' }, resettable: { type: 'boolean' } },
        },
        Approval: {
          type: 'object',
          properties: {
            required: { type: 'boolean' },
            why: { type: 'string' },
            decision: { type: 'string', enum: ['approved', 'denied'] },
            by: { type: 'string' },
            reason: { type: 'string' },
            at: { type: 'string', format: 'date-time' },
            rejectedAttempts: { type: 'integer' },
          },
        },
        Request: {
          type: 'object',
          required: ['id', 'requestId', 'action', 'status', 'message'],
          properties: {
            id: { type: 'string', description: 'Opaque ID for follow-up calls' },
            requestId: { type: 'string', description: 'frontend:Idempotency-Key' },
            workflowId: { type: 'string' },
            runId: { type: 'string' },
            action: { type: 'string', enum: ['reset-password', 'reset-mfa'] },
            status: { type: 'string', enum: ['checking', 'awaiting-choice', 'awaiting-approval', 'in-progress', 'completed', 'refused', 'denied', 'expired', 'cancelled', 'failed'] },
            message: { type: 'string', description: 'Text for the chat bot to show as is' },
            refusal: { type: 'object', properties: { code: { type: 'string', enum: ['user-not-found', 'requester-not-found', 'not-your-account', 'daily-limit', 'not-allowed', 'nothing-to-reset'] }, message: { type: 'string' } } },
            target: { type: 'object', properties: { oktaUserId: { type: 'string' }, login: { type: 'string' } } },
            factors: { type: 'array', items: ref('Factor') },
            chosenFactorIds: { type: 'array', items: { type: 'string' } },
            approval: ref('Approval'),
            resetLink: { type: 'string', description: 'Only for the account owner\'s own completed password reset: a credential, show it only to them' },
            portalUrl: { type: 'string', description: 'Where to enrol a new factor after an MFA reset' },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
        ApprovalResult: {
          type: 'object',
          properties: { accepted: { type: 'boolean' }, message: { type: 'string' }, request: { type: 'object', description: 'Operator view of the request (never the link)' } },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } },
        },
      },
    },
  };
}
