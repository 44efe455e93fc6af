/**
 * `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews` on a server whose
 * authorizer allows everything: kube-apiserver with `--authorization-mode=AlwaysAllow`
 * (pkg/authorization/authorizerfactory/builtin.go alwaysAllowAuthorizer: DecisionAllow, no
 * reason). The review is echoed with `status.allowed: true`, as the selfsubjectaccessreview
 * REST `Create` does (pkg/registry/authorization/selfsubjectaccessreview/rest.go); a spec with
 * both or neither of resourceAttributes / nonResourceAttributes is 422, as its validation says.
 */
import type { Obj } from './fields.js';
import { invalid, type Status } from './status.js';

export const ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

/** The spec's attributes, or the 422 of a review that names both or neither. */
export function reviewAttributes(review: Obj): { attrs: Obj; resource: boolean } | Status {
  const spec = (review.spec ?? {}) as Obj;
  const attrs = spec.resourceAttributes as Obj | undefined;
  if (!attrs === !spec.nonResourceAttributes) {
    const message =
      'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified';
    return invalid(
      'SelfSubjectAccessReview.authorization.k8s.io',
      '',
      [{ reason: 'FieldValueInvalid', message, field: 'spec.resourceAttributes' }],
      { group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview' },
    );
  }
  return { attrs: attrs ?? (spec.nonResourceAttributes as Obj), resource: attrs !== undefined };
}

/** The 201 body: the review echoed with the decision. */
export function reviewAnswer(review: Obj, decision: Obj): Obj {
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: {},
    spec: review.spec ?? {},
    status: decision,
  };
}
