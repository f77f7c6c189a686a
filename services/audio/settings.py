"""Settings of the audio enhancement service (env prefix `STT_AUDIO_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class AudioSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STT_AUDIO_", extra="ignore", populate_by_name=True)

    port: int = 50055
    target_lufs: float = -16.0
    """Integrated loudness an answer is levelled to when the caller names none (EBU R128 / BS.1770)."""
    true_peak_db: float = -1.0
    """The ceiling of every true peak when the caller names none, in dBTP."""
    max_gain_db: float = 30.0
    """The most a recording is raised: a near-silent one is not blown up into loud noise."""
    attenuation_limit_db: float = 100.0
    """The most DeepFilterNet takes noise down (100: as far as it can; lower keeps some ambience)."""
    block_s: float = 10.0
    """Seconds of audio processed at a time: the memory of a file of any length."""
    workers: int = 1
    """Files enhanced at the same time (DeepFilterNet uses one core each)."""
    max_waiting: int = 8
    max_upload_bytes: int = 4 * 1024**3
    spool_subdir: str = "spool/audio"
    """Under the data folder: uploads and the work files of an enhancement (deleted when it ends)."""

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / self.spool_subdir
