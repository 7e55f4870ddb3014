"""Permission names. View permissions gate data; the others gate changes."""

CUSTOMER_VIEW = "journey:customer:view"
EVENT_VIEW = "journey:event:view"
VISIT_VIEW = "journey:visit:view"
SESSION_VIEW = "externalContacts:session:view"

EVENT_ADD = "journey:event:add"
EVENT_IMPORT = "journey:event:import"
CUSTOMER_EDIT = "journey:customer:edit"
CUSTOMER_DELETE = "journey:customer:delete"
CUSTOMER_EXPORT = "journey:customer:export"
SEGMENT_EDIT = "journey:segment:edit"
OUTCOME_EDIT = "journey:outcome:edit"
DEPLOYMENT_EDIT = "journey:deployment:edit"
CONVERSATION_ADD = "journey:conversation:add"
APIKEY_EDIT = "journey:apikey:edit"

VIEW = frozenset({CUSTOMER_VIEW, EVENT_VIEW, VISIT_VIEW, SESSION_VIEW})
ALL = VIEW | frozenset(
    {
        EVENT_ADD,
        EVENT_IMPORT,
        CUSTOMER_EDIT,
        CUSTOMER_DELETE,
        CUSTOMER_EXPORT,
        SEGMENT_EDIT,
        OUTCOME_EDIT,
        DEPLOYMENT_EDIT,
        CONVERSATION_ADD,
        APIKEY_EDIT,
    }
)
