module TopModule (
  input      clk,
  input      reset,
  input      go,
  input      ack,
  output     req,
  output     busy,
  output reg done
);
  localparam IDLE = 2'd0, REQ = 2'd1, RELEASE = 2'd2;
  reg [1:0] state;
  always @(posedge clk) begin
    if (reset) begin
      state <= IDLE;
      done  <= 1'b0;
    end else begin
      done <= 1'b0;
      case (state)
        IDLE: if (go) state <= REQ;
        REQ:  if (ack) state <= RELEASE;
        default: if (!ack) begin
          state <= IDLE;
          done  <= 1'b1;
        end
      endcase
    end
  end
  assign req  = state == REQ;
  assign busy = state != IDLE;
endmodule
