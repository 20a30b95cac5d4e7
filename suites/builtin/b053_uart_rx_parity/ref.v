module TopModule (
  input            clk,
  input            reset,
  input            rx,
  output reg [7:0] data,
  output reg       done,
  output reg       parity_err,
  output reg       frame_err
);
  localparam IDLE = 2'd0, DATA = 2'd1, PARITY = 2'd2, STOP = 2'd3;
  reg [1:0] state;
  reg [2:0] bitcnt;
  reg [7:0] shreg;
  reg       pbit;
  always @(posedge clk) begin
    if (reset) begin
      state      <= IDLE;
      bitcnt     <= 3'd0;
      shreg      <= 8'd0;
      pbit       <= 1'b0;
      data       <= 8'd0;
      done       <= 1'b0;
      parity_err <= 1'b0;
      frame_err  <= 1'b0;
    end else begin
      done <= 1'b0;
      case (state)
        IDLE: begin
          bitcnt <= 3'd0;
          if (!rx) state <= DATA;
        end
        DATA: begin
          shreg  <= {rx, shreg[7:1]};
          bitcnt <= bitcnt + 3'd1;
          if (bitcnt == 3'd7) state <= PARITY;
        end
        PARITY: begin
          pbit  <= rx;
          state <= STOP;
        end
        default: begin
          data       <= shreg;
          done       <= 1'b1;
          parity_err <= ^{shreg, pbit};
          frame_err  <= ~rx;
          state      <= IDLE;
        end
      endcase
    end
  end
endmodule
