"""Errors whose message is one sentence a user can act on (the traceback goes to the log)."""


class PoseStudioError(Exception):
    """Base for failures shown to the user as their message."""


class VideoOpenError(PoseStudioError):
    """The file cannot be read as a video."""


class ModelMissingError(PoseStudioError):
    """A model file is not built yet."""

    def __init__(self, model_id: str):
        self.model_id = model_id
        super().__init__(
            f"The model '{model_id}' is not built yet; run `posestudio models build {model_id}` to build it."
        )


class ModelBuildError(PoseStudioError):
    """Building or verifying a model failed."""


class Cancelled(PoseStudioError):
    """The user cancelled a long job."""

    def __init__(self, what: str = "The job"):
        super().__init__(f"{what} was cancelled.")


class ExportError(PoseStudioError):
    """The annotated clip cannot be written."""


class DataExportError(PoseStudioError):
    """The numbers cannot be written in the asked format."""


class OutputPathError(PoseStudioError):
    """A file cannot be written where asked (a file in the way, no permission, a folder, a full disk)."""

    def __init__(self, message: str, path):
        self.path = path
        super().__init__(message)
